"""The benchmark's checks with Great Expectations 1.x on pandas (validation; no drift)."""
import sys

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

current = sys.argv[1]
df = pd.read_csv(current, parse_dates=["signup"])
context = gx.get_context(mode="ephemeral")
batch = (
    context.data_sources.add_pandas("bench")
    .add_dataframe_asset("current")
    .add_batch_definition_whole_dataframe("all")
    .get_batch(batch_parameters={"dataframe": df})
)
suite = gx.ExpectationSuite("bench")
columns = ["id", "age", "income", "score", "country", "segment", "email", "signup", "active", "clicks", "price", "category"]
suite.add_expectation(gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True))
suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1))
suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=columns))
for c in ["id", "age", "segment"]:
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=c))
suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="id"))
suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="age", min_value=18, max_value=97))
suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=110))
suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="clicks", min_value=0, max_value=499))
suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="price", min_value=0))
suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="country", value_set=["US", "DE", "FR", "GB", "JP"]))
suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="email", regex=r"^[^@]+@[^@]+$"))
suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="price", mostly=0.98))
for c in ["age", "income", "score", "clicks", "price"]:
    suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column=c, min_value=None, max_value=None, strict_min=False))
    suite.add_expectation(gxe.ExpectColumnQuantileValuesToBeBetween(column=c, quantile_ranges={"quantiles": [0.05, 0.25, 0.5, 0.75, 0.95], "value_ranges": [[None, None]] * 5}))
result = batch.validate(suite)
print("great_expectations ok", len(df), result.success)
