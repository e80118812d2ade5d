"""Great-circle distance on the mean Earth sphere, shared by the trajectory code.

Every trajectory transformer measures distances with :func:`haversine_distance`,
so that "200 m" means the same thing in the cleaner, the stay-point detector
and the tests.
"""

import numpy as np

#: Mean Earth radius in metres (IUGG, R1 = (2a + b) / 3 of WGS84).
EARTH_RADIUS = 6_371_008.8


def haversine_distance(lat1, lon1, lat2, lon2, *, radius=EARTH_RADIUS):
    """Great-circle distance in metres between points given in degrees.

    The haversine formula on a sphere of radius ``radius``; it is accurate
    to rounding for every pair of points (including antipodes and
    coincident points). On the WGS84 ellipsoid the true geodesic differs by
    at most about 0.5 % (0.1 % to 0.3 % at mid latitudes).

    Parameters
    ----------
    lat1, lon1 : float or array-like
        Latitude and longitude of the first points, in degrees.
    lat2, lon2 : float or array-like
        Latitude and longitude of the second points, in degrees; broadcast
        against the first.
    radius : float, default=6371008.8
        Radius of the sphere in metres (the mean Earth radius).

    Returns
    -------
    distance : float or ndarray
        Distance in metres, with the broadcast shape of the inputs.

    Examples
    --------
    >>> from sk_stfm.harmonize import haversine_distance
    >>> round(float(haversine_distance(0.0, 0.0, 0.0, 1.0)))  # one degree of the equator
    111195
    >>> round(float(haversine_distance(51.5007, -0.1246, 40.6892, -74.0445)) / 1000)
    5575
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = np.radians(np.subtract(lon2, lon1)) / 2.0
    h = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    # Rounding can push h a hair above 1 for antipodes.
    return 2.0 * radius * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
