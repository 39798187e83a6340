"""LK Corporate: the business client's portal of a utility supplier.

The Flask application lives here, one package per domain area. PDF signing and validation
(`signing/`) and the PDF generators (`documents/`) are separate, Flask-free packages.
"""

from lk_corporate.app import create_app

__all__ = ["create_app"]
