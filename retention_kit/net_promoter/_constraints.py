"""Parameter constraints shared by the NPS modules, declared once.

Each public function of :mod:`retention_kit.net_promoter` declares its options with
:func:`~retention_kit.validation.validate_params`; the ones several modules use are here.
"""

from __future__ import annotations

from ..validation import Anything, Number, Options

__all__ = ["ERROR_OR_EXCLUDE", "CONFIDENCE", "SCORES", "SHARE"]

ERROR_OR_EXCLUDE = Options("error", "exclude")
CONFIDENCE = Number(low=0, high=1, closed="neither",
                    text="a level strictly between 0 and 1, such as 0.95 for a 95 % interval")
#: answers are checked by ``_parse`` itself, which says why a collection cannot be read
SCORES = Anything(what="a list, array or Series of answers")
SHARE = Number(low=0, high=1, text="a share between 0 and 1 (0.3 for 30 %)")
