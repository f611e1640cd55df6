r"""The kit's own log-likelihoods, with exact gradients, and log-space predictions.

Every function here works on sufficient statistics with weights: ``x, t_x, T`` (or
``x, m`` for Gamma-Gamma) per unique row and ``w`` the number of customers with that
row, so a fit on a million customers costs what a fit on their distinct histories
costs. The likelihoods return the weighted sum and its gradient in the natural
parameters; the fit (:func:`maximize`) runs on the log-parameters.

Pareto/NBD. The likelihood of a history :math:`(x, t_x, T)` is (Fader & Hardie, note
009, eq. 18, before the hypergeometric closed form)

.. math::

    L = \frac{\Gamma(r + x)\,\alpha^r \beta^s}{\Gamma(r)}
        \left[\frac{1}{(\alpha + T)^{r + x}(\beta + T)^s}
        + s \int_{t_x}^{T} \frac{d\tau}{(\alpha + \tau)^{r + x}(\beta + \tau)^{s + 1}}\right]:

the customer is alive at T, or dropped out at some :math:`\tau \in (t_x, T]`. The kit
computes the integral :math:`I` in log space: with
:math:`v = ((\alpha + t_x)/(\alpha + \tau))^{c}`, :math:`c = r + s + x`,

.. math::

    I = \frac{(\alpha + t_x)^{-c}}{c} \int_{v_1}^{1}
        \left(\frac{\alpha + \tau(v)}{\beta + \tau(v)}\right)^{s + 1} dv,
    \qquad v_1 = \left(\frac{\alpha + t_x}{\alpha + T}\right)^{c},

whose integrand is bounded and smooth whatever ``x`` is, by Gauss-Legendre quadrature.
Its derivatives are integrals of the same kind, :math:`\partial_\theta \ln I =
E_{\tau \sim f/I}[\partial_\theta \ln f(\tau)]`, on the same nodes. Nothing overflows
for heavy buyers, and where :math:`t_x = T` the integral is 0: P(alive) = 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "TransactionStats",
    "SpendStats",
    "bgnbd",
    "mbgnbd",
    "paretonbd",
    "gamma_gamma",
    "maximize",
    "FitFailed",
]

# Pareto/NBD quadrature: Gauss-Legendre on panels of v in (0, 1], graded towards 0
_PANEL_EDGES = np.array([1.0, 0.2, 0.02, 1e-3, 1e-5, 1e-8, 0.0])
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)
_PANEL_NODES = (_NODES + 1) / 2  # on [0, 1]
_LOG_HALF_PANEL_WEIGHTS = np.log(_WEIGHTS / 2)
# the integrals to infinity (one per distinct (x, t), differenced): a finer rule
_FINE_NODES, _FINE_WEIGHTS = np.polynomial.legendre.leggauss(20)
_FINE = ((_FINE_NODES + 1) / 2, np.log(_FINE_WEIGHTS / 2))


_CHUNK = 1 << 16  # rows per block in the per-row passes: temporaries stay small


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of products without BLAS (a threaded BLAS dot costs more than it saves here)."""
    return float(np.einsum("i,i->", a, b))


class FitFailed(Exception):
    """The optimiser did not reach a maximum (the caller turns it into ConvergenceError)."""


def _codes(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (intp) of a column and its sorted distinct values."""
    code, unique = pd.factorize(np.asarray(column), sort=True)
    return code, np.asarray(unique)


def unique_rows(columns: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Unique rows of equal-length columns, sorted, as codes into each column's distinct values.

    Returns ``(codes, uniques, counts)``: row ``k`` is ``uniques[j][codes[j][k]]`` for each
    column ``j`` and occurs ``counts[k]`` times. Each column is factorised (hashing), the
    codes are folded into one integer key per row, and the key is sorted in place and
    counted: memory stays about two integer arrays of the input's length.
    """
    uniques: list[np.ndarray] = []
    key: np.ndarray | None = None
    for column in columns:
        code, unique = _codes(column)
        uniques.append(unique)
        if key is None:
            key = code.astype(np.int64, copy=False)
        else:
            if float(len(unique)) * float(key.max() + 1) >= 2.0**62:  # pragma: no cover - absurd sizes
                raise ValueError("too many distinct values to compress")
            key *= len(unique)
            key += code
        del code
    assert key is not None
    key.sort()
    n = len(key)
    starts = np.empty(n, dtype=bool)
    starts[:1] = True
    np.not_equal(key[1:], key[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    del starts
    keys = key[first]
    del key
    counts = np.diff(first, append=n)
    del first
    codes = []
    for unique in reversed(uniques[1:]):
        keys, code = np.divmod(keys, len(unique))
        codes.append(code)
    codes.append(keys)
    return codes[::-1], uniques, counts


def compress_rows(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of equal-length columns (sorted) and their counts."""
    codes, uniques, counts = unique_rows(columns)
    return [u[c] for u, c in zip(uniques, codes)], counts


@dataclass
class TransactionStats:
    """Unique rows ``(x, t_x, T)`` with weights ``w``, as codes into each column's distinct values.

    Row ``k`` is ``(ux[ix[k]], utx[itx[k]], uT[iT[k]])``, sorted by ``x``: functions of
    the parameters are computed once per distinct value and gathered. Parameter-free
    aggregates are computed once: ``wx`` (weights by distinct ``x``), ``wT`` and ``xwT``
    (weights and weighted ``x`` by distinct ``T``) and ``first_buyer`` (the first row
    with ``x > 0``).
    """

    ux: np.ndarray
    ix: np.ndarray
    utx: np.ndarray
    itx: np.ndarray
    uT: np.ndarray
    iT: np.ndarray
    w: np.ndarray
    wx: np.ndarray = field(init=False, repr=False)
    wT: np.ndarray = field(init=False, repr=False)
    xwT: np.ndarray = field(init=False, repr=False)
    first_buyer: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.w = np.asarray(self.w, dtype=float)
        if len(self.ix) > 1 and np.any(self.ix[1:] < self.ix[:-1]):
            order = np.argsort(self.ix, kind="stable")
            self.ix, self.itx, self.iT, self.w = self.ix[order], self.itx[order], self.iT[order], self.w[order]
        self.wx = np.bincount(self.ix, weights=self.w, minlength=len(self.ux))
        self.wT = np.bincount(self.iT, weights=self.w, minlength=len(self.uT))
        self.xwT = np.bincount(self.iT, weights=self.w * self.ux[self.ix], minlength=len(self.uT))
        self.first_buyer = int(np.searchsorted(self.ix, int(np.searchsorted(self.ux, 0.0, side="right"))))

    @classmethod
    def from_rows(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> TransactionStats:
        """Statistics of the given rows (not merged) with weights ``w``."""
        (ix, ux), (itx, utx), (iT, uT) = (_codes(np.asarray(v, dtype=float)) for v in (x, t_x, T))
        return cls(ux, ix, utx, itx, uT, iT, np.asarray(w, dtype=float))

    @classmethod
    def compress(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> TransactionStats:
        """Statistics of the unique rows of per-customer columns, with their counts as weights."""
        (ix, itx, iT), (ux, utx, uT), counts = unique_rows([x, t_x, T])
        return cls(ux.astype(float), ix, utx.astype(float), itx, uT.astype(float), iT, counts)

    def scaled(self, factor: float) -> TransactionStats:
        """The same rows with times multiplied by ``factor``."""
        return replace(self, utx=self.utx * factor, uT=self.uT * factor)

    def thinned(self, step: int) -> TransactionStats:
        """Every ``step``-th row, weighted up to the same number of customers (a start for the fit)."""
        w = self.w[::step]
        return replace(self, ix=self.ix[::step], itx=self.itx[::step], iT=self.iT[::step],
                       w=w * (self.customers / float(w.sum())))

    @property
    def x(self) -> np.ndarray:
        return self.ux[self.ix]

    @property
    def t_x(self) -> np.ndarray:
        return self.utx[self.itx]

    @property
    def T(self) -> np.ndarray:  # noqa: N802 - the model's notation
        return self.uT[self.iT]

    @property
    def rows(self) -> int:
        return len(self.w)

    @property
    def customers(self) -> float:
        return float(self.wx.sum())


@dataclass
class SpendStats:
    """Unique rows ``(x, m)`` (repeat purchases, mean repeat spend) with weights."""

    x: np.ndarray
    m: np.ndarray
    w: np.ndarray

    @property
    def customers(self) -> float:
        return float(self.w.sum())


# -- BG/NBD and MBG/NBD ----------------------------------------------------------------------

def _beta_geo(theta: np.ndarray, st: TransactionStats, modified: bool,
              gradient: bool = True) -> tuple[float, np.ndarray | None]:
    """Weighted BG/NBD (``modified=False``) or MBG/NBD log-likelihood and its gradient.

    BG/NBD (Fader, Hardie & Lee 2005, eq. in section 7): with
    :math:`A = \\ln\\Gamma(r+x) - \\ln\\Gamma(r) + r\\ln\\alpha + \\ln B(a, b+x) - \\ln B(a, b)`,
    :math:`\\ell = A - (r+x)\\ln(\\alpha+T) + \\ln(1 + \\delta_{x>0} e^{d})`,
    :math:`d = \\ln a - \\ln(b+x-1) - (r+x)[\\ln(\\alpha+t_x) - \\ln(\\alpha+T)]`.
    MBG/NBD (lifetimes' form): :math:`b + x \\to b + x + 1` in the beta function,
    :math:`b + x - 1 \\to b + x` in ``d``, and no :math:`\\delta_{x>0}`.

    Only the last term needs a pass over the rows (and only over the rows with
    ``x > 0`` for BG/NBD, where it is not 0); the others are sums over distinct ``x``
    and ``T`` of parameter-free aggregates.
    """
    r, alpha, a, b = (float(v) for v in theta)
    k = 1.0 if modified else 0.0
    ux, wx, n = st.ux, st.wx, st.customers
    log_alpha_T = np.log(alpha + st.uT)
    log_alpha_tx = np.log(alpha + st.utx)
    bx = b + np.maximum(ux, 1.0 - k) - 1.0 + k  # b + x - 1 (BG/NBD, x > 0) or b + x (MBG/NBD)
    c_u = np.log(a) - np.log(bx)
    per_x = (special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
             + special.gammaln(a + b) + special.gammaln(b + ux + k) - special.gammaln(b)
             - special.gammaln(a + b + ux + k))
    # sum over rows of w (r + x) ln(alpha + T), by distinct T
    rxw_T = r * st.wT + st.xwT
    ll = _dot(wx, per_x) - _dot(rxw_T, log_alpha_T)
    # ln(1 + e^d) over the rows where it is not 0
    g_d = np.zeros(4)  # sums of w pi (dd/dr, dd/dalpha, 1, 1/bx)
    start = 0 if modified else st.first_buyer
    inv_T = 1.0 / (alpha + st.uT)
    inv_tx = 1.0 / (alpha + st.utx)
    inv_bx = 1.0 / bx
    for lo in range(start, st.rows, _CHUNK):
        hi = min(lo + _CHUNK, st.rows)
        ix, itx, iT, w = st.ix[lo:hi], st.itx[lo:hi], st.iT[lo:hi], st.w[lo:hi]
        diff = log_alpha_tx.take(itx)
        diff -= log_alpha_T.take(iT)  # ln(alpha + t_x) - ln(alpha + T) <= 0
        rx = ux.take(ix)
        rx += r
        d = c_u.take(ix)
        d -= rx * diff
        e = np.abs(d)
        np.negative(e, out=e)
        np.exp(e, out=e)  # exp(-|d|)
        softplus = np.log1p(e)
        softplus += np.maximum(d, 0.0)
        ll += _dot(w, softplus)
        if not gradient:
            continue
        pi = np.where(d >= 0.0, 1.0, e)
        e += 1.0
        pi /= e  # expit(d)
        pi *= w
        g_d[0] += _dot(pi, diff)
        diff = inv_T.take(iT)
        diff -= inv_tx.take(itx)
        diff *= rx
        g_d[1] += _dot(pi, diff)
        g_d[2] += float(pi.sum())
        g_d[3] += _dot(pi, inv_bx.take(ix))
    if not gradient:
        return ll, None
    psi_ab = special.digamma(a + b)
    psi_abx = special.digamma(a + b + ux + k)
    g_r = _dot(wx, special.digamma(r + ux)) + n * (np.log(alpha) - special.digamma(r)) \
        - _dot(st.wT, log_alpha_T) - g_d[0]
    g_alpha = n * r / alpha - _dot(rxw_T, inv_T) + g_d[1]
    g_a = n * psi_ab - _dot(wx, psi_abx) + g_d[2] / a
    g_b = n * (psi_ab - special.digamma(b)) + _dot(wx, (special.digamma(b + ux + k) - psi_abx)) - g_d[3]
    return ll, np.array([g_r, g_alpha, g_a, g_b])


def bgnbd(theta: np.ndarray, st: TransactionStats, gradient: bool = True) -> tuple[float, np.ndarray | None]:
    """BG/NBD: weighted log-likelihood at ``theta = (r, alpha, a, b)`` and its gradient."""
    return _beta_geo(theta, st, modified=False, gradient=gradient)


def mbgnbd(theta: np.ndarray, st: TransactionStats, gradient: bool = True) -> tuple[float, np.ndarray | None]:
    """MBG/NBD: weighted log-likelihood at ``theta = (r, alpha, a, b)`` and its gradient."""
    return _beta_geo(theta, st, modified=True, gradient=gradient)


# -- Pareto/NBD -----------------------------------------------------------------------------

def _log_integral_panels(r: float, alpha: float, s: float, beta: float, rx: np.ndarray, t_x: np.ndarray,
                         c: np.ndarray, v1: np.ndarray, panels: int, gradient: bool,
                         out: np.ndarray, d_out: np.ndarray | None,
                         rule: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """The quadrature of :func:`pareto_log_integral` on the first ``panels`` panels, into ``out``."""
    n = len(rx)
    nodes, log_half_weights = rule if rule is not None else (_PANEL_NODES, _LOG_HALF_PANEL_WEIGHTS)
    edges = np.maximum(v1[:, None], _PANEL_EDGES[None, :panels + 1])  # (n, panels + 1), decreasing
    lo, hi = edges[:, 1:], edges[:, :-1]
    v = (lo[:, :, None] + (hi - lo)[:, :, None] * nodes[None, None, :]).reshape(n, -1)
    with np.errstate(divide="ignore"):
        log_w = (np.log(hi - lo)[:, :, None] + log_half_weights[None, None, :]).reshape(n, -1)
    w0 = np.log(alpha + t_x)
    # alpha + tau = (alpha + t_x) v^(-1/c)
    la = np.log(v)
    la /= -c[:, None]
    la += w0[:, None]  # ln(alpha + tau)
    # 1 / (alpha + tau), and ln(beta + tau) from it: no overflow far out in a slowly
    # decaying tail (tau = e^709 and beyond still carries e^-14 of I when r + s = 0.02)
    a_inv = np.exp(-la)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lb = np.log(np.exp(la) + (beta - alpha))  # the direct form where it is finite: one rounding
        far = ~np.isfinite(lb)
        lb[far] = la[far] + np.log1p(a_inv[far] * (beta - alpha))
    # integrand in v: f (alpha + tau) exp(c w) / c, with f = (alpha+tau)^-(r+x) (beta+tau)^-(s+1)
    logh = la * (c + 1.0 - rx)[:, None]
    logh -= (s + 1.0) * lb
    logh += log_w
    top = logh.max(axis=1)
    logh -= top[:, None]
    e = np.exp(logh, out=logh)
    total = e.sum(axis=1)
    out[:] = -c * w0 - np.log(c) + top + np.log(total)
    if not gradient or d_out is None:
        return
    e /= total[:, None]  # weights of the nodes
    d_out[0] = -np.einsum("ij,ij->i", e, la)
    d_out[2] = -np.einsum("ij,ij->i", e, lb)
    d_out[1] = -rx * np.einsum("ij,ij->i", e, a_inv)
    np.negative(lb, out=lb)
    np.exp(lb, out=lb)  # 1 / (beta + tau)
    d_out[3] = -(s + 1.0) * np.einsum("ij,ij->i", e, lb)


_QUADRATURE_CHUNK = 1024  # rows per block of the quadrature (x up to 72 nodes)


def pareto_log_integral(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray,
                        T: np.ndarray, gradient: bool = True, *,
                        rule: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """ln of :math:`I = \\int_{t_x}^T (\\alpha+\\tau)^{-(r+x)} (\\beta+\\tau)^{-(s+1)} d\\tau` per row,
    and its derivatives by ``(r, alpha, s, beta)`` (shape ``(4, n)``); ``T`` may be ``inf``.
    Only panels that lie inside the range are evaluated."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    # to infinity from where (alpha + tau) / (beta + tau) is still far from 1, the
    # integrand decays at very different rates (fast at t_x, at r + x + s in the tail): no
    # single substitution fits both. So the range is cut where the ratio has halved, and
    # halved again, down to 1 + delta, and the pieces (finite ones, then the tail) are
    # added; the terms of the cut points' own dependence on the parameters cancel, so the
    # derivatives add up too
    delta = np.expm1(0.5 / (s + 1.0))  # the tail's leftover factor then varies by e^0.5 at most
    split = ~np.isfinite(T) & ((alpha + t_x) / (beta + t_x) > (1.0 + delta) * (1.0 + 1e-9))
    if split.any():
        log_i = np.empty(len(x))
        d = np.empty((4, len(x))) if gradient else None
        rest = np.flatnonzero(~split)
        if len(rest):
            li, di = pareto_log_integral(r, alpha, s, beta, x[rest], t_x[rest], T[rest], gradient, rule=rule)
            log_i[rest] = li
            if d is not None:
                d[:, rest] = di
        rows = np.flatnonzero(split)
        xs, lo = x[rows], t_x[rows]
        top = float(np.max((alpha + lo) / (beta + lo)))
        ratios = [1.0 + delta]  # cut points, from the tail inwards: tau where the ratio is rho
        while ratios[-1] * 2.0 < top:
            ratios.append(ratios[-1] * 2.0)
        cuts = [(alpha - beta * q) / (q - 1.0) for q in ratios]  # increasing q: decreasing tau
        pieces, d_pieces = [], []
        upper = np.full(len(rows), np.inf)
        for cut in cuts + [None]:
            start = lo if cut is None else np.maximum(lo, cut)
            inside = np.flatnonzero(start < upper)
            piece = np.full(len(rows), -np.inf)
            d_piece = np.zeros((4, len(rows))) if d is not None else None
            if len(inside):
                li, di = pareto_log_integral(r, alpha, s, beta, xs[inside], start[inside], upper[inside],
                                             gradient, rule=rule)
                piece[inside] = li
                if d_piece is not None:
                    d_piece[:, inside] = di
            pieces.append(piece)
            d_pieces.append(d_piece)
            upper = np.minimum(upper, start)
        stacked = np.vstack(pieces)
        total = np.logaddexp.reduce(stacked, axis=0)
        log_i[rows] = total
        if d is not None:
            weights = np.exp(stacked - total)
            d[:, rows] = sum(w * dp for w, dp in zip(weights, d_pieces))
        return log_i, d
    rx = r + x
    w0 = np.log(alpha + t_x)
    # the integrand's decay rate in w = ln(alpha + tau) at tau = t_x; what is left over
    # after taking out exp(-c w) varies slowly (it is bounded by the change of
    # (alpha + tau) / (beta + tau) over the range, raised to s + 1)
    finite = np.isfinite(T)
    with np.errstate(invalid="ignore"):
        ratio_T = np.where(finite, (alpha + T) / (beta + T), 1.0)
    k0 = np.maximum(rx - 1.0 + (s + 1.0) * (alpha + t_x) / (beta + t_x), 1e-3)
    k1 = np.maximum(rx - 1.0 + (s + 1.0) * ratio_T, 1e-3)
    c = np.where(k0 > k1, np.sqrt(k0 * k1), k0)
    # to infinity (T = inf): when the integrand decays more slowly in its tail than at
    # t_x (k1 < k0), take the tail's rate, so that the leftover factor tends to a constant
    # as v -> 0; the geometric mean left it a singularity v^(-(c - k1) / c), which the
    # panels graded towards 0 integrate badly (0.3 % errors in ln F with small s and beta).
    # Otherwise the start's rate, at least min(k1, 0.1): the leftover then vanishes at 0
    c = np.where(finite, c, np.where(k0 > k1, k1, np.maximum(c, np.minimum(k1, 0.1))))
    v1 = np.exp(-c * (np.log(alpha + T) - w0))  # 0 where T = inf
    # panels graded towards v = 0, where tau runs off and the leftover factor has a
    # logarithmic singularity; Gauss-Legendre on each panel that lies above v1
    panels = np.sum(_PANEL_EDGES[None, :-1] > v1[:, None], axis=1)
    log_i = np.empty(len(x))
    d = np.empty((4, len(x))) if gradient else None
    for k in np.unique(panels):
        rows = np.flatnonzero(panels == k)
        if k == 0:  # t_x = T: an empty range
            log_i[rows] = -np.inf
            if d is not None:
                d[:, rows] = 0.0
            continue
        for lo in range(0, len(rows), _QUADRATURE_CHUNK):
            sel = rows[lo:lo + _QUADRATURE_CHUNK]
            out = np.empty(len(sel))
            d_out = np.empty((4, len(sel))) if gradient else None
            _log_integral_panels(r, alpha, s, beta, rx[sel], t_x[sel], c[sel], v1[sel], int(k), gradient,
                                 out, d_out, rule)
            log_i[sel] = out
            if d is not None:
                d[:, sel] = d_out
    return log_i, d


def pareto_log_p_alive(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """ln P(alive | x, t_x, T) under Pareto/NBD: ln of term 1 / (term 1 + s I)."""
    r, alpha, s, beta = (float(v) for v in theta)
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T)))
    shape = x.shape
    x, t_x, T = x.ravel(), t_x.ravel(), T.ravel()
    log_t1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_i = np.full(len(x), -np.inf)
    inside = t_x < T
    if inside.any():
        log_i[inside] = pareto_log_integral(r, alpha, s, beta, x[inside], t_x[inside], T[inside],
                                            gradient=False)[0]
    out = log_t1 - np.logaddexp(log_t1, np.log(s) + log_i)
    return out.reshape(shape)


def _pareto_pairs(st: TransactionStats) -> dict[str, np.ndarray]:
    """Parameter-free index of the distinct ``(x, t)`` pairs of the rows (cached on ``st``).

    ``I(t_x, T) = F(t_x) - F(T)`` with :math:`F(t) = \\int_t^\\infty`, and ``F`` depends on
    the row only through ``(x, t)``: it is computed once per distinct pair.
    """
    cached = st.__dict__.get("_pareto_pairs")
    if cached is not None:
        return cached
    n_t = len(st.utx) + len(st.uT)
    parts, inverses, offset = [], [], 0
    for codes, shift in ((st.itx, 0), (st.iT, len(st.utx))):  # one half at a time: less memory
        key = st.ix * n_t
        key += codes
        key += shift
        pairs, inverse = np.unique(key, return_inverse=True)
        del key
        parts.append(pairs)
        inverses.append(inverse + offset if offset else inverse)
        offset += len(pairs)
    px, pt = np.divmod(np.concatenate(parts), n_t)
    cached = {"x": px, "t": pt, "p_tx": inverses[0], "p_T": inverses[1]}
    st.__dict__["_pareto_pairs"] = cached
    return cached


def _pareto_log_i(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                  log_f_tx: np.ndarray, log_f_T: np.ndarray, d_f_tx: np.ndarray | None, d_f_T: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """ln I and its derivatives for a block of rows, from ``ln F`` at ``t_x`` and at ``T``:
    ``F(t_x) - F(T)`` in log space where the two differ by more than a factor 2, the
    quadrature over ``(t_x, T)`` where they do not."""
    gap = log_f_T - log_f_tx  # ln F(T) - ln F(t_x) <= 0
    direct = gap > -np.log(2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_i = log_f_tx + np.log(-np.expm1(gap))
    d_i = None
    if d_f_tx is not None and d_f_T is not None:
        q = np.exp(gap)  # F(T) / F(t_x)
        q[direct] = 0.0  # replaced below
        d_i = d_f_T * q
        np.subtract(d_f_tx, d_i, out=d_i)
        d_i /= 1.0 - q
    rows = np.flatnonzero(direct)
    if len(rows):
        li, di = pareto_log_integral(r, alpha, s, beta, x[rows], t_x[rows], T[rows], d_i is not None)
        log_i[rows] = li
        if d_i is not None:
            d_i[:, rows] = di
    return log_i, d_i


def paretonbd(theta: np.ndarray, st: TransactionStats, gradient: bool = True) -> tuple[float, np.ndarray | None]:
    """Pareto/NBD: weighted log-likelihood at ``theta = (r, alpha, s, beta)`` and its gradient.

    :math:`I = F(t_x) - F(T)` with :math:`F(t) = \\int_t^\\infty`, which depends on the row
    only through ``(x, t)``: it is computed once per distinct pair, and the rows are
    then visited in blocks.
    """
    r, alpha, s, beta = (float(v) for v in theta)
    n = st.customers
    pp = _pareto_pairs(st)
    times = np.concatenate([st.utx, st.uT])
    log_f, d_f = pareto_log_integral(r, alpha, s, beta, st.ux[pp["x"]], times[pp["t"]],
                                     np.full(len(pp["x"]), np.inf), gradient, rule=_FINE)
    rx_u = st.ux + r
    la_u, lb_u = np.log(alpha + st.uT), np.log(beta + st.uT)
    inv_a_u, inv_b_u = 1.0 / (alpha + st.uT), 1.0 / (beta + st.uT)
    log_s = np.log(s)
    ll = 0.0
    sums = np.zeros(8)  # w a ln(a+T), w a rx/(a+T), w a ln(b+T), w a/(b+T), w d, w d dI (4)
    g_i = np.zeros(4)
    for lo in range(0, st.rows, _CHUNK):
        hi = min(lo + _CHUNK, st.rows)
        ix, itx, iT, w = st.ix[lo:hi], st.itx[lo:hi], st.iT[lo:hi], st.w[lo:hi]
        p_tx, p_T = pp["p_tx"][lo:hi], pp["p_T"][lo:hi]
        x, t_x, T = st.ux.take(ix), st.utx.take(itx), st.uT.take(iT)
        rx = x + r
        la_T, lb_T = la_u.take(iT), lb_u.take(iT)
        log_t1 = -rx * la_T - s * lb_T
        log_i, d_i = _pareto_log_i(r, alpha, s, beta, x, t_x, T, log_f.take(p_tx), log_f.take(p_T),
                                   None if d_f is None else d_f[:, p_tx], None if d_f is None else d_f[:, p_T])
        log_i[t_x >= T] = -np.inf  # nothing between t_x and T
        total = np.logaddexp(log_t1, log_s + log_i)
        ll += _dot(w, total)
        if not gradient or d_i is None:
            continue
        d_i[:, t_x >= T] = 0.0
        wa = np.exp(log_t1 - total)  # P(alive)
        wd = w * (1.0 - wa)
        wa *= w
        sums[0] += _dot(wa, la_T)
        sums[1] += _dot(wa, rx * inv_a_u.take(iT))
        sums[2] += _dot(wa, lb_T)
        sums[3] += _dot(wa, inv_b_u.take(iT))
        sums[4] += float(wd.sum())
        g_i += d_i @ wd
    per_x = special.gammaln(rx_u) - special.gammaln(r)
    ll += _dot(st.wx, per_x) + n * (r * np.log(alpha) + s * np.log(beta))
    if not gradient:
        return ll, None
    g = np.array([
        _dot(st.wx, special.digamma(rx_u)) - n * special.digamma(r) + n * np.log(alpha) - sums[0] + g_i[0],
        n * r / alpha - sums[1] + g_i[1],
        n * np.log(beta) - sums[2] + sums[4] / s + g_i[2],
        n * s / beta - s * sums[3] + g_i[3],
    ])
    return ll, g


# -- Gamma-Gamma ----------------------------------------------------------------------------

def gamma_gamma(theta: np.ndarray, st: SpendStats, gradient: bool = True) -> tuple[float, np.ndarray | None]:
    """Gamma-Gamma: weighted log-likelihood at ``theta = (p, q, v)`` and its gradient (note 025, eq. 1a)."""
    p, q, v = (float(t) for t in theta)
    x, m, w = st.x, st.m, st.w
    px = p * x
    log_xm_v = np.log(x * m + v)
    log_m, log_x = np.log(m), np.log(x)
    ll_rows = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
               + (px - 1.0) * log_m + px * log_x - (px + q) * log_xm_v)
    ll = _dot(w, ll_rows)
    if not gradient:
        return ll, None
    psi_pxq = special.digamma(px + q)
    g = np.array([
        _dot(w, (x * (psi_pxq - special.digamma(px) + log_m + log_x - log_xm_v))),
        _dot(w, (psi_pxq - special.digamma(q) + np.log(v) - log_xm_v)),
        _dot(w, (q / v - (px + q) / (x * m + v))),
    ])
    return ll, g


# -- the fit --------------------------------------------------------------------------------

def gradient_hessian(gradient: Callable[[np.ndarray], np.ndarray], u: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of an exact gradient (symmetrised)."""
    k = len(u)
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        h[i] = (gradient(u + e) - gradient(u - e)) / (2 * step)
    return (h + h.T) / 2


def _safe(objective: Callable[[np.ndarray], tuple[float, np.ndarray]]) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def safe(u: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            f, g = objective(u)
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(u)
        return f, g
    return safe


def _lbfgs_newton(safe: Callable[[np.ndarray], tuple[float, np.ndarray]], u0: np.ndarray, newton: int = 20,
                  ftol: float = 1e-15, gtol: float = 1e-10) -> tuple[np.ndarray, float, np.ndarray, str]:
    """L-BFGS-B from ``u0``, then up to ``newton`` Newton steps on the Hessian from differences
    of the exact gradient."""
    bounds = [(-30.0, 30.0)] * len(u0)
    result = optimize.minimize(safe, np.asarray(u0, dtype=float), jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 2000, "ftol": ftol, "gtol": gtol, "maxcor": 20})
    u = result.x
    f, g = safe(u)
    for _ in range(newton):
        if not np.isfinite(f):
            break
        h = gradient_hessian(lambda z: safe(z)[1], u)
        try:
            np.linalg.cholesky(h)
        except np.linalg.LinAlgError:
            break
        step = np.linalg.solve(h, g)
        t = 1.0
        while t > 1e-6:
            f_new, g_new = safe(u - t * step)
            if f_new <= f + 1e-13 * max(1.0, abs(f)) and np.max(np.abs(g_new)) <= np.max(np.abs(g)) * 1.0001:
                break
            t /= 2
        else:
            break
        u, f, g = u - t * step, f_new, g_new
        if np.max(np.abs(t * step)) < 1e-10:
            break
    return u, f, g, str(result.message)


def _refine(safe: Callable[[np.ndarray], tuple[float, np.ndarray]], u: np.ndarray, hessian: np.ndarray,
            gradient_tolerance: float) -> tuple[np.ndarray, float, np.ndarray] | None:
    """Newton iterations on ``safe`` with a fixed approximate Hessian (from the start's fit).

    Converges linearly, at a rate the size of the Hessian's relative error (a few per
    cent from a thinned start), so a handful of evaluations of the full objective reach
    steps below 1e-9. None when it does not (the caller falls back to the full search).
    """
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return None
    f, g = safe(u)
    for _ in range(25):
        if not np.isfinite(f):
            return None
        step = np.linalg.solve(hessian, g)
        if np.max(np.abs(step)) < 1e-9 and np.max(np.abs(g)) <= gradient_tolerance:
            return u, f, g
        t = 1.0
        while True:
            f_new, g_new = safe(u - t * step)
            if f_new <= f + 1e-13 * max(1.0, abs(f)):
                break
            t /= 4
            if t < 1e-3:
                return None
        u, f, g = u - t * step, f_new, g_new
    return None


def maximize(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], u0: np.ndarray, *,
             start: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
             gradient_tolerance: float = 1e-6) -> tuple[np.ndarray, bool]:
    """Minimise ``objective(u) -> (value, gradient)`` over the log-parameters ``u``.

    With ``start`` (the same objective on a thinned sample of the rows, cheap to
    evaluate): its minimum and Hessian are found first (L-BFGS-B, then Newton steps on
    the Hessian from differences of the exact gradient), then Newton iterations on
    ``objective`` with that Hessian, until the step is below 1e-9: a handful of
    evaluations of the full objective. Without it, or when those iterations fail,
    L-BFGS-B and Newton steps on ``objective`` itself. Raises :class:`FitFailed` when the
    value is not finite or the gradient does not vanish.

    Returns the log-parameters and whether they lie on a ridge: a likelihood still rising
    (in float precision, not measurably) along a ray to infinity, accepted with a looser
    gradient tolerance (see ``_checked``); its parameters are then not determined.
    """
    safe = _safe(objective)
    u0 = np.asarray(u0, dtype=float)
    message = ""
    if start is not None:
        safe_start = _safe(start)
        # the start need not be exact: the refinement corrects it at a rate set by the
        # Hessian's error, not by the start's
        u_start, f_start, _, message = _lbfgs_newton(safe_start, u0, newton=0, ftol=1e-12, gtol=1e-7)
        if np.isfinite(f_start):
            refined = _refine(safe, u_start, gradient_hessian(lambda z: safe_start(z)[1], u_start),
                              gradient_tolerance)
            if refined is not None:
                return _checked(*refined, gradient_tolerance, message), False
            u0 = u_start
    u, f, g, message = _lbfgs_newton(safe, u0)
    return _checked(u, f, g, gradient_tolerance, message), _on_ridge(g, gradient_tolerance, message)


def _flat_tolerance(message: str) -> float | None:
    """The gradient up to which a stop where L-BFGS-B cannot lower the value in float
    precision is accepted; None for any other stop. "RELATIVE REDUCTION OF F <=
    FACTR*EPSMCH": 1e-4 (a likelihood rising along a ridge). A line search that found no
    lower value ("ABNORMAL" since SciPy 1.15's L-BFGS-B, "ABNORMAL_TERMINATION_IN_LNSRCH"
    before) is also what a noisy objective gives far from the optimum: 1e-5 only."""
    if "REDUCTION OF F" in message:
        return 1e-4
    if message.startswith("ABNORMAL"):
        return 1e-5
    return None


def _on_ridge(g: np.ndarray, gradient_tolerance: float, message: str) -> bool:
    return _flat_tolerance(message) is not None and float(np.max(np.abs(g))) > gradient_tolerance


def _checked(u: np.ndarray, f: float, g: np.ndarray, gradient_tolerance: float, message: str) -> np.ndarray:
    # a likelihood that keeps rising along a ray to infinity (Pareto/NBD's s and beta
    # together, when nobody seems to drop out) leaves L-BFGS-B unable to reduce the value
    # in float precision while the gradient is still ~1e-6: accept that point (the
    # predictions have converged; the model's summary then gives no standard errors)
    loose = _flat_tolerance(message)
    tolerance = gradient_tolerance if loose is None else max(gradient_tolerance, loose)
    if not np.isfinite(f) or not np.all(np.isfinite(u)) or np.max(np.abs(g)) > tolerance:
        raise FitFailed(f"the optimiser stopped at {np.exp(u)} with gradient {g} ({message})")
    if np.any(np.abs(u) >= 29.999):
        raise FitFailed(f"an estimate ran to the edge of the parameter space ({np.exp(u)})")
    return u


# -- predictions, in log space where it matters -----------------------------------------------

def _arrays(*values: object) -> list[np.ndarray]:
    return np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))


def beta_geo_p_alive(theta: np.ndarray, x: object, t_x: object, T: object, *, modified: bool) -> np.ndarray:
    """P(alive) under BG/NBD or MBG/NBD as ``expit(-d)``: finite for any history.

    BG/NBD: :math:`d = \\ln\\frac{a}{b + x - 1} + (r + x)\\ln\\frac{\\alpha + T}{\\alpha + t_x}`
    (and P = 1 for x = 0); MBG/NBD: ``b + x`` in place of ``b + x - 1``, for every x.
    """
    r, alpha, a, b = (float(v) for v in theta)
    x, t_x, T = _arrays(x, t_x, T)
    k = 1.0 if modified else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.log(a) - np.log(b + np.maximum(x, 1.0 - k) - 1.0 + k) \
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    if not modified:
        d = np.where(x > 0, d, -np.inf)
    return special.expit(-d)


def beta_geo_expected(theta: np.ndarray, t: object, x: object, t_x: object, T: object, *,
                      modified: bool) -> np.ndarray:
    """E[Y(t) | x, t_x, T] under BG/NBD or MBG/NBD, with Euler's transformation.

    :math:`(\\frac{\\alpha+T}{\\alpha+T+t})^{r+x}\\,{}_2F_1(r+x, b+x; a+b+x-1; \\frac{t}{\\alpha+T+t})
    = {}_2F_1(r+x, a-1; a+b+x-1; -\\frac{t}{\\alpha+T})`, which neither overflows nor
    underflows for heavy buyers (MBG/NBD: ``b + x + 1`` and ``a + b + x``).
    """
    r, alpha, a, b = (float(v) for v in theta)
    t, x, t_x, T = _arrays(t, x, t_x, T)
    k = 1.0 if modified else 0.0
    c = a + b + x - 1.0 + k
    bracket = -(special.hyp2f1(r + x, a - 1.0, c, -t / (alpha + T)) - 1.0)
    return c / (a - 1.0) * bracket * beta_geo_p_alive(theta, x, t_x, T, modified=modified)


def pareto_expected(theta: np.ndarray, t: object, x: object, t_x: object, T: object) -> np.ndarray:
    """E[Y(t) | x, t_x, T] under Pareto/NBD (note 009, eq. 41) from ln P(alive)."""
    r, alpha, s, beta = (float(v) for v in theta)
    t, x, t_x, T = _arrays(t, x, t_x, T)
    log_q = np.log(beta + T) - np.log(beta + T + t)
    z = (s - 1.0) * log_q
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(abs(s - 1.0) > 1e-12, -np.expm1(z) / (s - 1.0), -log_q)
    log_p = pareto_log_p_alive(theta, x, t_x, T)
    return np.exp(log_p + np.log(r + x) + np.log(beta + T) - np.log(alpha + T)) * g
