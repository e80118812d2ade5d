"""The bundled data sets: files, checksums, provenance and terms of use.

Its length is data: one :class:`DatasetRecord` per data set. The sha256 of each shipped file is the
hash of the compressed file as installed, so that a loader can refuse a file
that differs by one byte before it parses anything. The originals are shipped
unchanged, only gzip-compressed (``gzip -9 -n``, which stores no name or time,
so the archive is reproducible); ``data/ATTRIBUTION.md`` lists the hashes of
the uncompressed originals as well.
"""

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class DatasetRecord:
    """Metadata of one bundled data set.

    Parameters
    ----------
    name : str
        Short name, also the suffix of the loader (``load_<name>``).
    files : tuple of str
        Names of the shipped files in ``sk_stfm/datasets/data/``.
    sha256 : mapping of str to str
        Hex sha256 of each shipped (compressed) file.
    kind : str
        Data type, one of :data:`sk_stfm.data.KINDS`.
    shape : tuple of int
        ``(n_steps, n_nodes, n_channels)`` of the loaded values.
    sampling_interval : str
        Time between consecutive steps, as a pandas offset alias.
    license : str
        License or terms of use, as stated by the source.
    citation : str
        How to cite the data.
    description : str
        What the data measure.
    source : str
        Origin repository, path and commit.

    Attributes
    ----------
    bundled : bool
        Whether the data ship inside sk_stfm (``files`` is not empty). A data
        set that is not bundled is read from a file the user provides.

    Examples
    --------
    >>> from sk_stfm.datasets._registry import DATASETS
    >>> record = DATASETS["chickenpox"]
    >>> record.kind, record.shape, record.bundled
    ('graph', (521, 20, 1), True)
    """

    name: str
    files: tuple
    sha256: MappingProxyType
    kind: str
    shape: tuple
    sampling_interval: str
    license: str
    citation: str
    description: str
    source: str

    @property
    def bundled(self):
        """Whether the data ship inside sk_stfm."""
        return bool(self.files)


_INFORMER = (
    "Zhou, H., Zhang, S., Peng, J., Zhang, S., Li, J., Xiong, H., & Zhang, W. "
    "(2021). Informer: Beyond Efficient Transformer for Long Sequence "
    "Time-Series Forecasting. Proceedings of the AAAI Conference on Artificial "
    "Intelligence, 35(12), 11106-11115."
)
_ETT_SOURCE = (
    "zhouhaoyi/ETDataset, ETT-small/{file}, commit "
    "1d16c8f4f943005d613b5bc962e9eeb06058cf07 (file last changed in "
    "11ab373cf9c9f5be7698e219a5a170e1b1c8a930)"
)
_ETT_DESCRIPTION = (
    "Electricity Transformer Temperature, {station}: hourly load and oil "
    "temperature of an electricity transformer in China, 2016-07-01 00:00 to "
    "2018-06-26 19:00. Channels: high / middle / low 'useful' (HUFL, MUFL, LUFL) "
    "and 'useless' (HULL, MULL, LULL) loads and the oil temperature OT, the "
    "usual target. Shipped unmodified (CC BY-ND 4.0). Standard protocol: rows "
    "[0, 8640) train, [8640, 11520) validation, [11520, 14400) test."
)


_PGT = (
    "Rozemberczki, B., Scherer, P., He, Y., Panagopoulos, G., Riedel, A., "
    "Astefanoaei, M., Kiss, O., Beres, F., Lopez, G., Collignon, N., & Sarkar, R. "
    "(2021). PyTorch Geometric Temporal: Spatiotemporal Signal Processing with "
    "Neural Machine Learning Models. Proceedings of the 30th ACM International "
    "Conference on Information & Knowledge Management (CIKM 2021)."
)
_PGT_SOURCE = (
    "benedekrozemberczki/pytorch_geometric_temporal, dataset/{file}, commit "
    "adefe44265ad8faf239fd6cf3b59b95ca3ee60aa"
)


# Hashes of the shipped files as installed, i.e. of the gzip archives.
_SHA256 = {
    "ETTh1.csv.gz": "3c56c865b8f6fc9b760a07f055ff8a993d3cf2a747235dc382b98821ed35f029",
    "ETTh2.csv.gz": "a549927e8cd45bd1c20a8ec51529cd037bf6da38fe37c2ba3dc0e9c8446d6cb5",
    "national_illness.csv.gz": "32b1603da924c60312c3b2e35c4ccff2e183f1ce33b217f7b6ae148ba0b45545",
    "exchange_rate.txt.gz": "6a4fbb561dcdee43f071a83badbeec9223a335552278348656738b556f1c2e9d",
    "los_speed.csv.gz": "aa316cf7a071f59effc96c8dcd0edea559dda402b3c351916e1bc24d54e9b58d",
    "los_adj.csv.gz": "8b9f8da6cb2a3a6b15c541539ba90dd03ed68d3daea0addebcd0ca20511b5321",
    "chickenpox.json.gz": "60456f928d5b92eb093aad963bffd93b2c425963b596b0fc936f5c02b52fd4b2",
    "graph_sensor_locations.csv.gz": (
        "86a3b0efcb79af81e9d3c760c9bb4080939431f6323128166effd89f63c52cd1"
    ),
    "pedalme_london.json.gz": "ba856ef666297415a81bf868098eecc09eefdceb4247b68144b01da0b53359f6",
    "montevideo_bus.json.gz": "6ec480ffd8ded20cfd358ca0821900532525e059945ff7b69f847e96a4aa723a",
    "england_covid.json.gz": "e6558c609a89c1ea7078b571193c34012a1985443c52db4972ea6f91ecabbd05",
    "nycbike1_flows.npy.gz": "6f1cca0da3b08651d4d4d08eb5c9a57d1b6161ecb56aa0692f66a05a09d30775",
    "nycbike1_adj_mx.npz.gz": "efd9357bd7ef36cdbaaba0930df57d51612cc2391b3440d1f1bb97d51936c71a",
    # Event sequences: flat integer arrays converted by benchmarks/make_event_files.py.
    "wikipedia_events.npz.gz": "4ca1d323982284aafd74068b1de67eeec65c212ad0c6a66fd0b45262c28c11f1",
    "earthquake_sanjac.npz.gz": "60a2deaa91f6db6c5e10027abbe8e45992fba9632ba0f5d3563b358a133e0dde",
    "earthquake_japan.npz.gz": "b71a825620f9a9a2d286875bfcfa1c86682b75b933993db50f108af7ec9e4d11",
    # Trajectories: integer delta arrays made by _trajectory_loaders._encode_fixes.
    "geolife_sample.npz.gz": "f478cbd8299c9527747ae6797118469b26b334b0d3476d3338d969180dfdfea3",
}


def _record(**fields):
    fields["sha256"] = MappingProxyType({f: _SHA256[f] for f in fields["files"]})
    fields["files"] = tuple(fields["files"])
    return DatasetRecord(**fields)


# Irregular event data: ``shape`` is (n_events, n_sequences, n_columns) of the
# loaded SequenceData, ``sampling_interval`` is empty (events are irregular).
_EARTHQUAKE_NPP = (
    "Stockman, S., Lawson, D. J., & Werner, M. J. (2024). EarthquakeNPP: A Benchmark "
    "for Earthquake Forecasting with Neural Point Processes. arXiv:2410.08226 (TMLR)."
)
_EVENT_RECORDS = (
    _record(
        name="wikipedia_events",
        files=("wikipedia_events.npz.gz",),
        kind="event",
        shape=(157471, 1000, 2),
        sampling_interval="",
        license="MIT (IFL-TPP repository, Copyright Oleksandr Shchur)",
        citation=(
            "Shchur, O., Bilos, M., & Guennemann, S. (2020). Intensity-Free Learning of "
            "Temporal Point Processes. International Conference on Learning "
            "Representations (ICLR 2020). Data: Kumar, S., Zhang, X., & Leskovec, J. "
            "(2019). Predicting Dynamic Embedding Trajectory in Temporal Interaction "
            "Networks (JODIE). KDD 2019."
        ),
        description=(
            "Wikipedia edits (JODIE data, IFL-TPP release): 1,000 sequences, one per "
            "user, 157,471 edits in one month. Column time: seconds since the start "
            "of the month (whole seconds, strictly increasing within a sequence, "
            "0 to 2,678,373); the observation window of every sequence is [0, "
            "2,678,400] s (31 days). Column mark: the edited page, 8,227 page ids "
            "that the release already numbers 0 .. 8,226 (kept as they are)."
        ),
        source=(
            "shchur/ifl-tpp, data/wikipedia.npz, commit "
            "adb1dc72babc0821714bb226c7f77cf089ec552f (added in "
            "6bcdb0410a4b072b6766e0ded96a88fe3d43e2bd); converted to flat arrays"
        ),
    ),
    _record(
        name="earthquake_sanjac",
        files=("earthquake_sanjac.npz.gz",),
        kind="event",
        shape=(21291, 1, 4),
        sampling_interval="",
        license=(
            "Data: SCEDC grants the non-exclusive, royalty-free, non-transferable, "
            "worldwide right and license to use, reproduce, and publicly display in "
            "all media public data from the Southern California Seismic Network. "
            "EarthquakeNPP repository: MIT."
        ),
        citation=(
            "Ross, Z. E., Trugman, D. T., Hauksson, E., & Shearer, P. M. (2019). "
            "Searching for hidden earthquakes in Southern California. Science, "
            "364(6442), 767-771. SCEDC (2013), Southern California Earthquake Center, "
            "Caltech, doi:10.7909/C3WD3xH1; SCSN, doi:10.7914/SN/CI. " + _EARTHQUAKE_NPP
        ),
        description=(
            "San Jacinto fault earthquakes (QTM catalog, Mc 1.0; EarthquakeNPP "
            "SanJac_10): 21,291 events, 2008-01-01 to 2017-12-31, as one sequence. "
            "Columns: time in seconds since 2008-01-01 00:00 UTC (millisecond "
            "resolution), x and y in km (the catalog's azimuthal-equidistant "
            "projection, rounded to the metre), magnitude (1.0 to 5.43). "
            "EarthquakeNPP periods: auxiliary from 2008-01-01, train 2009-01-01, "
            "validation 2014-01-01, test 2016-01-01 to 2018-01-01."
        ),
        source=(
            "ss15859/EarthquakeNPP, Datasets/QTM/SanJac_catalog.csv, commit "
            "8d70bcb11cb096e5e5f1cd02ae4d9593842a4cc5; converted to flat arrays"
        ),
    ),
    _record(
        name="earthquake_japan",
        files=("earthquake_japan.npz.gz",),
        kind="event",
        shape=(37581, 1, 4),
        sampling_interval="",
        license=(
            "Data: USGS ANSS ComCat, U.S. public domain (credit the U.S. Geological "
            "Survey). EarthquakeNPP repository: MIT."
        ),
        citation=(
            "U.S. Geological Survey, Advanced National Seismic System (ANSS) "
            "Comprehensive Catalog (ComCat). " + _EARTHQUAKE_NPP
        ),
        description=(
            "Japan earthquakes, M >= 2.5 (USGS ComCat; EarthquakeNPP Japan_Deprecated, "
            "the region of Neural STPP): 37,581 events, 1990-01-01 to 2019-12-31, as "
            "one sequence. Columns: time in seconds since 1990-01-01 00:00 UTC "
            "(millisecond resolution), x and y in km (the catalog's projection, "
            "rounded to the metre), magnitude (2.7 to 9.1). EarthquakeNPP periods: "
            "auxiliary from 1990-01-01, train 1992-01-01, validation 2007-01-01, test "
            "2011-01-01 to 2020-01-01. EarthquakeNPP marks the catalog deprecated "
            "(incomplete for the region)."
        ),
        source=(
            "ss15859/EarthquakeNPP, Datasets/Japan_Deprecated/Japan_catalog.csv, "
            "commit 8d70bcb11cb096e5e5f1cd02ae4d9593842a4cc5; converted to flat arrays"
        ),
    ),
)


# Trajectories: ``shape`` is (n_fixes, n_trajectories, n_columns) of the loaded
# SequenceData with the loader's default gap; fixes are irregular in time.
_TRAJECTORY_RECORDS = (
    _record(
        name="geolife_sample",
        files=("geolife_sample.npz.gz",),
        kind="trajectory",
        shape=(217653, 329, 3),
        sampling_interval="",
        license=(
            "Repository: BSD 3-Clause (Copyright 2021 scikit-mobility). Data: Microsoft "
            "Research Asia GeoLife GPS Trajectories 1.3, research data; Microsoft's terms "
            "are not restated by the repository: use for research and cite the GeoLife "
            "papers."
        ),
        citation=(
            "Zheng, Y., Zhang, L., Xie, X., & Ma, W.-Y. (2009). Mining interesting "
            "locations and travel sequences from GPS trajectories. WWW 2009, 791-800. "
            "Zheng, Y., Li, Q., Chen, Y., Xie, X., & Ma, W.-Y. (2008). Understanding "
            "mobility based on GPS data. UbiComp 2008, 312-321. Zheng, Y., Xie, X., & "
            "Ma, W.-Y. (2010). GeoLife: A collaborative social networking service among "
            "user, location and trajectory. IEEE Data Engineering Bulletin, 33(2), 32-40. "
            "Sample: Pappalardo, L., Simini, F., Barlacchi, G., & Pellungrini, R. (2022). "
            "scikit-mobility: A Python library for the analysis, generation and risk "
            "assessment of mobility data. Journal of Statistical Software, 103(4), 1-38."
        ),
        description=(
            "GeoLife GPS sample of scikit-mobility: 217,653 fixes of 2 users, '001' "
            "(108,607) and '005' (109,046), Beijing area, 2008-10-23 to 2009-03-19, "
            "median 4-5 s between fixes. Columns: time in seconds since 1970-01-01 "
            "(whole seconds, GMT as recorded by GeoLife), lat and lon in degrees "
            "(six decimals, WGS84). Split into 329 trajectories (145 and 184) at gaps "
            "of more than 20 minutes (loader parameter gap); ids are the users. "
            "Stored losslessly as delta-encoded integers (seconds, microdegrees)."
        ),
        source=(
            "scikit-mobility/scikit-mobility, examples/geolife_sample.txt.gz, commit "
            "9433d05a4cf7f42144e2e92279098740521493e2 (added in "
            "d1f5ea0cc89cba7b94fbf8e95e6200094940ef9c); converted to integer arrays"
        ),
    ),
)

DATASETS = MappingProxyType(
    {
        record.name: record
        for record in (
            _record(
                name="etth1",
                files=("ETTh1.csv.gz",),
                kind="series",
                shape=(17420, 1, 7),
                sampling_interval="1h",
                license="CC BY-ND 4.0",
                citation=_INFORMER,
                description=_ETT_DESCRIPTION.format(station="station 1 (ETTh1)"),
                source=_ETT_SOURCE.format(file="ETTh1.csv"),
            ),
            _record(
                name="etth2",
                files=("ETTh2.csv.gz",),
                kind="series",
                shape=(17420, 1, 7),
                sampling_interval="1h",
                license="CC BY-ND 4.0",
                citation=_INFORMER,
                description=_ETT_DESCRIPTION.format(station="station 2 (ETTh2)"),
                source=_ETT_SOURCE.format(file="ETTh2.csv"),
            ),
            _record(
                name="ili",
                files=("national_illness.csv.gz",),
                kind="series",
                shape=(966, 1, 7),
                sampling_interval="7D",
                license=(
                    "No data license stated; US CDC ILINet (FluView) public data. "
                    "Cite CDC and Autoformer."
                ),
                citation=(
                    "Centers for Disease Control and Prevention, ILINet (FluView) "
                    "weekly influenza-like illness surveillance data. As "
                    "redistributed with: Wu, H., Xu, J., Wang, J., & Long, M. "
                    "(2021). Autoformer: Decomposition Transformers with "
                    "Auto-Correlation for Long-Term Series Forecasting. Advances "
                    "in Neural Information Processing Systems 34 (NeurIPS 2021)."
                ),
                description=(
                    "National influenza-like illness (ILI), United States: weekly "
                    "CDC ILINet counts and ratios, 2002-01-01 to 2020-06-30. "
                    "Channels: % WEIGHTED ILI, %UNWEIGHTED ILI, patients aged 0-4 "
                    "and 5-24, ILITOTAL, NUM. OF PROVIDERS and OT (total "
                    "patients), as in the Autoformer bundle. Standard protocol: "
                    "70/10/20 split, horizons 24/36/48/60."
                ),
                source=(
                    "Autoformer data bundle national_illness.csv (966 rows; equal "
                    "to the canonical file up to CRLF line endings), copied from "
                    "Bolism233/CS436-Final-Project, "
                    "dataset/illness/national_illness_old.csv, commit "
                    "36f185d6f7295248e1aed02cccdcf4c0473cfeb9"
                ),
            ),
            _record(
                name="exchange_rate",
                files=("exchange_rate.txt.gz",),
                kind="series",
                shape=(7588, 1, 8),
                sampling_interval="1D",
                license=(
                    "No license stated by the source repository; research data, "
                    "cite LSTNet (Lai et al., SIGIR 2018)."
                ),
                citation=(
                    "Lai, G., Chang, W.-C., Yang, Y., & Liu, H. (2018). Modeling "
                    "Long- and Short-Term Temporal Patterns with Deep Neural "
                    "Networks. Proceedings of the 41st International ACM SIGIR "
                    "Conference on Research & Development in Information "
                    "Retrieval (SIGIR 2018), 95-104."
                ),
                description=(
                    "Daily exchange rates of 8 currencies (Australia, British, "
                    "Canada, Switzerland, China, Japan, New Zealand, Singapore), "
                    "1990 to 2016 according to LSTNet: the original LSTNet release, "
                    "without dates. No timestamps are given: the 'date' column of "
                    "the Autoformer CSV variant is a synthetic continuous daily "
                    "index (1990-01-01 to 2010-10-10), not real calendar dates. "
                    "Channel order is LSTNet's (the Autoformer CSV renames "
                    "channel 7, New Zealand, to OT and moves it last)."
                ),
                source=(
                    "laiguokun/multivariate-time-series-data, "
                    "exchange_rate/exchange_rate.txt.gz, commit "
                    "7f402f185cc2435b5e66aed13a3b560ed142e023 (added in "
                    "d5be4e85367f2033d1bd843a02e2dce4bb860efc)"
                ),
            ),
            _record(
                name="los_loop",
                files=("los_speed.csv.gz", "los_adj.csv.gz", "graph_sensor_locations.csv.gz"),
                kind="graph",
                shape=(2016, 207, 1),
                sampling_interval="5min",
                license=(
                    "No data license stated (T-GCN code: MIT; the METR-LA / "
                    "DCRNN repository: MIT). Cite T-GCN and DCRNN."
                ),
                citation=(
                    "Zhao, L., Song, Y., Zhang, C., Liu, Y., Wang, P., Lin, T., "
                    "Deng, M., & Li, H. (2020). T-GCN: A Temporal Graph "
                    "Convolutional Network for Traffic Prediction. IEEE "
                    "Transactions on Intelligent Transportation Systems, 21(9), "
                    "3848-3858. Li, Y., Yu, R., Shahabi, C., & Liu, Y. (2018). "
                    "Diffusion Convolutional Recurrent Neural Network: Data-Driven "
                    "Traffic Forecasting. International Conference on Learning "
                    "Representations (ICLR 2018)."
                ),
                description=(
                    "Los-loop (T-GCN): traffic speed in mph from 207 loop "
                    "detectors on Los Angeles highways, a one-week subset of "
                    "METR-LA, every 5 minutes. The file has no time column: the "
                    "timestamps are reconstructed from the documented span "
                    "2012-03-01 to 2012-03-07 (288 steps a day). The adjacency is "
                    "the symmetric Gaussian-kernel weighted 207 x 207 matrix of "
                    "T-GCN, with weight 1 on the diagonal. Node names are the "
                    "METR-LA sensor IDs. T-GCN protocol: 80/20 split, 12 input "
                    "steps, horizons 3/6/9/12 (15 to 60 minutes). The coordinates "
                    "(longitude, latitude) are those of DCRNN's METR-LA sensor "
                    "locations, matched by sensor ID."
                ),
                source=(
                    "lehaifeng/T-GCN, T-GCN/T-GCN-PyTorch/data/los_speed.csv and "
                    "los_adj.csv, commit 219a2346f5bf68d54d91a948e7a41a08f9edc46b "
                    "(files last changed in 376f0e2a5575eaeb77c0171e5df1b8cd0299d341); "
                    "liyaguang/DCRNN, data/sensor_graph/graph_sensor_locations.csv, "
                    "commit 602afd9d767d3aa1c9b3eac51710d6aeee12c227"
                ),
            ),
            _record(
                name="chickenpox",
                files=("chickenpox.json.gz",),
                kind="graph",
                shape=(521, 20, 1),
                sampling_interval="7D",
                license="MIT (PyTorch Geometric Temporal repository)",
                citation=(
                    "Rozemberczki, B., Scherer, P., He, Y., Panagopoulos, G., "
                    "Riedel, A., Astefanoaei, M., Kiss, O., Beres, F., Lopez, G., "
                    "Collignon, N., & Sarkar, R. (2021). PyTorch Geometric "
                    "Temporal: Spatiotemporal Signal Processing with Neural "
                    "Machine Learning Models. Proceedings of the 30th ACM "
                    "International Conference on Information & Knowledge "
                    "Management (CIKM 2021). Data: Rozemberczki, B., Scherer, P., "
                    "Kiss, O., Sarkar, R., & Ferenci, T. (2021). Chickenpox Cases "
                    "in Hungary: a Benchmark Dataset for Spatiotemporal Signal "
                    "Processing with Graph Neural Networks. arXiv:2102.08100."
                ),
                description=(
                    "Hungarian chickenpox: weekly reported cases in the 20 "
                    "Hungarian counties (Budapest included), 521 weeks. The values "
                    "are standardized per county (mean 0, standard deviation 1), "
                    "as released by PyTorch Geometric Temporal, not raw counts. "
                    "The file has no dates: the timestamps start on Monday "
                    "2005-01-03, the first week of the UCI 'Hungarian Chickenpox "
                    "Cases' data set. The adjacency is the binary, symmetric "
                    "county-neighbour graph (41 undirected edges; the file's 20 "
                    "self loops are dropped)."
                ),
                source=(
                    "benedekrozemberczki/pytorch_geometric_temporal, "
                    "dataset/chickenpox.json, commit "
                    "adefe44265ad8faf239fd6cf3b59b95ca3ee60aa"
                ),
            ),
            _record(
                name="pedalme",
                files=("pedalme_london.json.gz",),
                kind="graph",
                shape=(35, 15, 1),
                sampling_interval="7D",
                license="MIT (PyTorch Geometric Temporal repository)",
                citation=_PGT,
                description=(
                    "PedalMe London: weekly bicycle delivery demand of the PedalMe "
                    "courier company in 15 London localities, 2020 to 2021, 35 "
                    "weeks, as released by PyTorch Geometric Temporal. The values "
                    "are transformed by the release (mean near 0 per locality, range "
                    "about -3.6 to 5.0), not raw "
                    "counts. The release has no dates and no locality names. The "
                    "adjacency is the file's complete weighted graph: symmetric, "
                    "weights in (0, 1], weight 1 on the diagonal (225 entries). "
                    "PGT protocol: 4 weekly lags predict the next week (31 "
                    "snapshots)."
                ),
                source=_PGT_SOURCE.format(file="pedalme_london.json"),
            ),
            _record(
                name="montevideo_bus",
                files=("montevideo_bus.json.gz",),
                kind="graph",
                shape=(744, 675, 1),
                sampling_interval="1h",
                license=(
                    "MIT (PyTorch Geometric Temporal repository); the underlying "
                    "STM data are open data of the Uruguayan National Catalog of "
                    "Open Data (catalogodatos.gub.uy)."
                ),
                citation=_PGT
                + (
                    " Data: Metropolitan Transportation System (STM) of Montevideo, "
                    "Uruguay National Catalog of Open Data."
                ),
                description=(
                    "Montevideo bus: hourly passenger inflow (boardings) at 675 bus "
                    "stops of 11 bus lines of Montevideo, Uruguay, October 2020 "
                    "(744 hours), as released by PyTorch Geometric Temporal. Raw "
                    "counts, integers 0 to 101. The timestamps, local time from "
                    "2020-10-01 00:00, are inferred: 744 = 31 x 24 hours, and the "
                    "inflow is lowest at 2-3 h and on Saturdays and Sundays with "
                    "this start. The adjacency is directed: 690 edges from a stop "
                    "to the next one on a bus line, weighted by the road distance "
                    "in metres (a distance, not a similarity). Coordinates are the "
                    "file's projected x (key 'lon') and y (key 'lat') in metres, "
                    "consistent with UTM zone 21 south; the release does not name "
                    "the projection. PGT protocol: standardized inflow, 4 lags."
                ),
                source=_PGT_SOURCE.format(file="montevideo_bus.json"),
            ),
            _record(
                name="england_covid",
                files=("england_covid.json.gz",),
                kind="graph",
                shape=(61, 129, 1),
                sampling_interval="1D",
                license="MIT (PyTorch Geometric Temporal repository)",
                citation=_PGT
                + (
                    " Data: Panagopoulos, G., Nikolentzos, G., & Vazirgiannis, M. "
                    "(2021). Transfer Graph Neural Networks for Pandemic "
                    "Forecasting. Proceedings of the AAAI Conference on Artificial "
                    "Intelligence, 35(6), 4838-4845."
                ),
                description=(
                    "England COVID-19: daily new reported cases in 129 English NUTS3 "
                    "regions, 61 days, with one directed, weighted mobility graph "
                    "per day (Facebook Data for Good movements from region i to "
                    "region j; the diagonal counts people who stay), as released by "
                    "PyTorch Geometric Temporal. Raw counts, integers 0 to 182. The "
                    "timestamps, 2020-03-13 to 2020-05-12, are inferred: PGT's "
                    "docstring says '3 March to 12 May' (71 days), but the 61 daily "
                    "graphs lose edges on Saturdays and Sundays, on Good Friday "
                    "(10 April) and Easter Monday (13 April 2020) only with a "
                    "13 March start. dynamic_adjacency holds the 61 daily graphs, "
                    "adjacency their mean (a day without an edge counts 0). The "
                    "release has no region names. PGT protocol: standardized "
                    "cases, 8 daily lags predict the next day."
                ),
                source=_PGT_SOURCE.format(file="england_covid.json"),
            ),
            _record(
                name="nycbike1",
                files=("nycbike1_flows.npy.gz", "nycbike1_adj_mx.npz.gz"),
                kind="grid",
                shape=(938, 128, 2),
                sampling_interval="1h",
                license=(
                    "No license stated by the ST-SSL repository; the underlying "
                    "trips are NYC Citi Bike system data, published under the Citi "
                    "Bike Data License Agreement. Cite ST-SSL and ST-ResNet."
                ),
                citation=(
                    "Ji, J., Wang, J., Huang, C., Wu, J., Xu, B., Wu, Z., Zhang, J., "
                    "& Zheng, Y. (2023). Spatio-Temporal Self-Supervised Learning "
                    "for Traffic Flow Prediction. Proceedings of the AAAI Conference "
                    "on Artificial Intelligence, 37(4), 4356-4364. Zhang, J., Zheng, "
                    "Y., & Qi, D. (2017). Deep Spatio-Temporal Residual Networks for "
                    "Citywide Crowd Flows Prediction. Proceedings of the AAAI "
                    "Conference on Artificial Intelligence, 31(1), 1655-1661."
                ),
                description=(
                    "NYCBike1 (BikeNYC of ST-ResNet, ST-SSL release): hourly bike "
                    "inflow and outflow of the 16 x 8 grid cells over New York City, "
                    "from Citi Bike trips, raw counts 0 to 239. ST-SSL publishes "
                    "windows; the shipped file holds the hourly frames rebuilt, "
                    "losslessly, from its validation and test windows: 1,369 frames "
                    "from 2014-08-04 23:00 to 2014-09-30 23:00. split='test' is the "
                    "938 frames from 2014-08-22 22:00, split='val' the 505 frames "
                    "from 2014-08-04 23:00 (they share 74 frames). The timestamps "
                    "are inferred from the 2014-04-01 to 2014-09-30 span of BikeNYC "
                    "and the 7:1:2 split of its 4,318 windows; daily and weekly "
                    "cycles (Labor Day included) confirm them. The adjacency is the "
                    "binary 8-neighbour grid graph of ST-SSL (884 entries). ST-SSL "
                    "protocol: inputs at hour offsets -73..-69, -49..-45, -25..-21 "
                    "and -3..0, target at +1; MAE and MAPE where the true value "
                    "> 5. The training windows (over 4 MiB) are not shipped."
                ),
                source=(
                    "Echo-Ji/ST-SSL, data/NYCBike1/val.npz, test.npz and adj_mx.npz, "
                    "commit b3f3dfc48d12524c207cc89f4e242cb8aac081c0 (added in "
                    "f109f3c0fa4019fb86c3b2e105e3eae4920a4037)"
                ),
            ),
            _record(
                name="knmi_radar",
                files=(),
                kind="video",
                shape=(92, 21420, 1),
                sampling_interval="5min",
                license=(
                    "KNMI open data: KNMI states that its open data are provided "
                    "under CC BY 4.0 (attribute KNMI). Not confirmed for this 2010 "
                    "product, and the pysteps-data copy states no license, so the "
                    "file is not bundled: pass your own copy."
                ),
                citation=(
                    "Royal Netherlands Meteorological Institute (KNMI), radar "
                    "precipitation product RAD_NL25_RAP_5min. Distributed with: "
                    "Pulkkinen, S., Nerini, D., Perez Hortal, A. A., Velasco-Forero, "
                    "C., Seed, A., Germann, U., & Foresti, L. (2019). Pysteps: an "
                    "open-source Python library for probabilistic precipitation "
                    "nowcasting (v1.0). Geoscientific Model Development, 12(10), "
                    "4185-4219."
                ),
                description=(
                    "KNMI radar precipitation over the Netherlands: 5-minute "
                    "accumulations (mm per 5 min) on a 765 x 700 grid of 1 km "
                    "pixels (polar stereographic), 92 frames from 2010-08-26 00:00 "
                    "to 07:35 UTC, each stamped at the end of its accumulation "
                    "window. NaN outside radar coverage (about 74% of the pixels, "
                    "the same in every frame). Not bundled: read from the user's "
                    "copy of the pysteps-data frames stacked in one .npz. The "
                    "default loader averages 5 x 5 pixel blocks, giving 153 x 140 "
                    "cells."
                ),
                source=(
                    "pySTEPS/pysteps-data, radar/KNMI/2010/08/"
                    "RAD_NL25_RAP_5min_201008260000.h5 to ..._201008260735.h5, commit "
                    "eaa59fb8f39205a3b1a0b44724ad8cd4a86d107e (added in "
                    "9c68c54ac5dbd15008356c2b00c5603daa032077)"
                ),
            ),
            *_EVENT_RECORDS,
            *_TRAJECTORY_RECORDS,
        )
    }
)
