"""The kit's fitted models: one class per file on one base.

=========================  ================  =============================================
class                      fit with          model
=========================  ================  =============================================
:class:`BetaGeoModel`      ``fit_bgnbd``     BG/NBD (Fader, Hardie & Lee 2005)
:class:`ParetoNBDModel`    ``fit_paretonbd`` Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
:class:`ModifiedBetaGeoModel` ``fit_mbgnbd`` MBG/NBD (Batislam, Denizel & Filiztekin 2007)
:class:`GammaGammaModel`   ``fit_gamma_gamma`` Gamma-Gamma spend (Fader, Hardie & Lee 2005)
:class:`SBGFit`            ``fit_sbg``       shifted-beta-geometric (Fader & Hardie 2007)
=========================  ================  =============================================

All share the result surface of :class:`~retention_kit.models.base.FittedModel`:
``params_``, ``log_likelihood_``, ``n_customers_``, ``covariance_`` and ``summary``
(estimates, standard errors, 95 % intervals). The models fitted to a customer summary
also record the summary's time unit (``unit_days_``), the customers left out
(``excluded_``) and the ``penalizer``. Their estimates come from the matching
``lifetimes`` fitter, which each class subclasses, so lifetimes' prediction methods
work on them; each class keeps its likelihood in one method, ``_log_likelihood``.
"""

from .base import FittedModel, SummaryModel, TransactionModel
from .bgnbd import BetaGeoModel
from .gamma_gamma import GammaGammaModel
from .mbgnbd import ModifiedBetaGeoModel
from .paretonbd import ParetoNBDModel
from .sbg import SBGFit

__all__ = [
    "FittedModel",
    "SummaryModel",
    "TransactionModel",
    "BetaGeoModel",
    "ParetoNBDModel",
    "ModifiedBetaGeoModel",
    "GammaGammaModel",
    "SBGFit",
]
