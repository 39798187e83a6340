"""The readings table's form: only what every such form carries (CSRF, the once-only
submission id). The table's inputs are one per meter and zone, named ``v-<meter>-<zone>``
(the value), ``m-<meter>-<zone>`` (reading or consumption) and ``r-<meter>-<zone>`` (a
roll-over); the controller reads them against the meters it shows, and the rules — not the
form — judge them, so every message comes from one place."""

from __future__ import annotations

from lk_corporate.core.formkit import OnceForm


class ReadingsForm(OnceForm):
    pass
