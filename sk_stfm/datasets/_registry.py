"""The bundled data sets: files, checksums, provenance and terms of use.

One :class:`DatasetRecord` per data set. The sha256 of each shipped file is the
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


# Hashes of the shipped files as installed, i.e. of the gzip archives.
_SHA256 = {
    "ETTh1.csv.gz": "3c56c865b8f6fc9b760a07f055ff8a993d3cf2a747235dc382b98821ed35f029",
    "ETTh2.csv.gz": "a549927e8cd45bd1c20a8ec51529cd037bf6da38fe37c2ba3dc0e9c8446d6cb5",
    "national_illness.csv.gz": "32b1603da924c60312c3b2e35c4ccff2e183f1ce33b217f7b6ae148ba0b45545",
    "exchange_rate.txt.gz": "6a4fbb561dcdee43f071a83badbeec9223a335552278348656738b556f1c2e9d",
    "los_speed.csv.gz": "aa316cf7a071f59effc96c8dcd0edea559dda402b3c351916e1bc24d54e9b58d",
    "los_adj.csv.gz": "8b9f8da6cb2a3a6b15c541539ba90dd03ed68d3daea0addebcd0ca20511b5321",
    "chickenpox.json.gz": "60456f928d5b92eb093aad963bffd93b2c425963b596b0fc936f5c02b52fd4b2",
}


def _record(**fields):
    fields["sha256"] = MappingProxyType({f: _SHA256[f] for f in fields["files"]})
    fields["files"] = tuple(fields["files"])
    return DatasetRecord(**fields)


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
                files=("los_speed.csv.gz", "los_adj.csv.gz"),
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
                    "steps, horizons 3/6/9/12 (15 to 60 minutes)."
                ),
                source=(
                    "lehaifeng/T-GCN, T-GCN/T-GCN-PyTorch/data/los_speed.csv and "
                    "los_adj.csv, commit 219a2346f5bf68d54d91a948e7a41a08f9edc46b "
                    "(files last changed in 376f0e2a5575eaeb77c0171e5df1b8cd0299d341)"
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
        )
    }
)
