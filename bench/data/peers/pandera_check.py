"""The benchmark's checks with pandera (validation + pandas profile; pandera has no drift)."""
import sys

import pandas as pd
import pandera.pandas as pa

current = sys.argv[1]
df = pd.read_csv(current, parse_dates=["signup"])
schema = pa.DataFrameSchema(
    {
        "id": pa.Column(int, nullable=False, unique=True),
        "age": pa.Column(int, pa.Check.in_range(18, 97), nullable=False),
        "income": pa.Column(float),
        "score": pa.Column(float, pa.Check.in_range(0, 110)),
        "country": pa.Column(str, pa.Check.isin(["US", "DE", "FR", "GB", "JP"])),
        "segment": pa.Column(str, nullable=False),
        "email": pa.Column(str, pa.Check.str_matches(r"^[^@]+@[^@]+$")),
        "signup": pa.Column("datetime64[ns]"),
        "active": pa.Column(bool),
        "clicks": pa.Column(int, pa.Check.in_range(0, 499)),
        "price": pa.Column(float, [pa.Check.ge(0)], nullable=True),
        "category": pa.Column(str),
    },
    checks=[
        pa.Check(lambda d: d["price"].isna().mean() <= 0.02, name="max_null_fraction"),
        pa.Check(lambda d: not d.duplicated().any(), name="duplicates"),
    ],
    strict=True,
)
schema.validate(df, lazy=True)
df.describe(include="all")
df.select_dtypes("number").quantile([0.05, 0.25, 0.5, 0.75, 0.95])
print("pandera ok", len(df))
