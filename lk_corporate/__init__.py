"""LK Corporate: the business client's portal of a utility supplier.

The Flask application lives here, one package per domain area (``lk_corporate.app.create_app``
builds it). PDF signing and validation (`signing/`) and the PDF generators (`documents/`) are
separate, Flask-free packages. Importing the package itself imports nothing else, so ``lk``
answers at once.
"""
