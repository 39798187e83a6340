"""The forms of the act pages: the client's signed file, the supplier's rejection reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Length

from lk_corporate.core.formkit import OnceForm, strip


class UploadForm(OnceForm):
    # No FileRequired: the operation says what is wrong with a missing file, beside the field,
    # like every other refusal of the upload.
    file = FileField(_l("Signed act (PDF)"),
                     description=_l("The act downloaded from this page, signed in the client's "
                                    "box with any PAdES tool and not changed otherwise."),
                     render_kw={"accept": ".pdf,application/pdf"})


class RejectForm(OnceForm):
    reason = TextAreaField(_l("Why the readings are rejected"), [Length(max=1000)],
                           filters=[strip], render_kw={"rows": 3},
                           description=_l("The client reads it on the act's page."))
