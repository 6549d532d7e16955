"""Which sellers cover each opportunity's territory, segment and vertical, as ragged lists."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.arrays import index_ranges

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Coverage:
    """Who covers each (territory, segment, vertical) that has an opportunity.

    The covering sellers of key ``k`` are ``sellers[start[k] : start[k] + count[k]]``
    (positions in ``bidders``, in seller order); ``key_of`` maps each opportunity to its key.

    Attributes:
        bidders: The sellers considered (the mask's sellers), in seller order.
        key_of: Each opportunity's key.
        count: Covering sellers of each key.
        start: Where each key's list starts in ``sellers``.
        sellers: The keys' lists, as positions in ``bidders``.
    """

    bidders: IntArray
    key_of: IntArray
    count: IntArray
    start: IntArray
    sellers: IntArray

    def pairs(self, rows: IntArray | None = None) -> tuple[IntArray, IntArray]:
        """Every (opportunity, covering seller) pair, row-major.

        Args:
            rows: The opportunities to list (positions in the opportunities this coverage was
                built for); None lists them all.

        Returns:
            Each pair's position in ``rows`` (or its opportunity) and its seller's position in
            ``bidders``, in the row-major order of an opportunities × bidders matrix.
        """
        k = self.key_of if rows is None else self.key_of[rows]
        count = self.count[k]
        row = np.repeat(np.arange(len(k)), count)
        col: IntArray = self.sellers[index_ranges(self.start[k], count)]
        return row, col


@dataclass(frozen=True)
class SellerCover:
    """What each seller covers.

    Attributes:
        reach: (sellers, territories) relative bid probability; > 0 where it sells.
        segments: (sellers, segments) segments served.
        verticals: (sellers, verticals) verticals served.
    """

    reach: FloatArray
    segments: BoolArray
    verticals: BoolArray


def coverage(
    territory: IntArray,
    segment: IntArray,
    vertical: IntArray,
    cover: SellerCover,
    mask: BoolArray,
) -> Coverage:
    """The masked sellers and the lists of those covering each opportunity's key.

    Args:
        territory: Each opportunity's territory.
        segment: Each opportunity's segment.
        vertical: Each opportunity's vertical.
        cover: What each seller covers.
        mask: The sellers to consider (e.g. those that can bid now).
    """
    n_terr, n_seg = cover.reach.shape[1], cover.segments.shape[1]
    n_vert = cover.verticals.shape[1]
    bidders = np.flatnonzero(mask)
    # Coverage of the masked sellers, as (territory, seller) etc. for row gathers.
    territory_cover = np.ascontiguousarray(cover.reach[bidders].T > 0)
    segment_cover = np.ascontiguousarray(cover.segments[bidders].T)
    vertical_cover = np.ascontiguousarray(cover.verticals[bidders].T)
    # Who covers each (territory, segment, vertical) that has an opportunity, as lists of
    # sellers in seller order: an opportunity's covering sellers are its key's list.
    key = (territory.astype(np.int64) * n_seg + segment) * n_vert + vertical
    n_keys = n_terr * n_seg * n_vert
    present = np.zeros(n_keys, dtype=bool)
    present[key] = True
    keys = np.flatnonzero(present)
    position = np.zeros(n_keys, dtype=np.int64)
    position[keys] = np.arange(len(keys))
    key_cover = territory_cover[keys // (n_seg * n_vert)] & segment_cover[(keys // n_vert) % n_seg]
    key_cover &= vertical_cover[keys % n_vert]
    key_row, key_sellers = np.nonzero(key_cover)
    key_count = np.bincount(key_row, minlength=len(keys))
    key_start = np.cumsum(key_count) - key_count
    return Coverage(bidders, position[key], key_count, key_start, key_sellers)
