"""The operator's form for registering a client's certificate (a file upload)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from lk_corporate.core.formkit import OnceForm


class CertificateForm(OnceForm):
    # No FileRequired: the operation says what is wrong with a missing or bad file, beside
    # the field, in the same words for every way of failing.
    file = FileField(_l("Certificate file"),
                     description=_l("The signer's certificate as a .cer, .crt or .pem file "
                                    "(DER or PEM), as the certification authority issued it."),
                     render_kw={"accept": ".cer,.crt,.pem,.der"})
