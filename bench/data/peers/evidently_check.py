"""The benchmark's drift + profile with Evidently (its defaults: the methods validate-data's auto copies)."""
import sys

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset, DataSummaryPreset

current, reference = sys.argv[1], sys.argv[2]
cur = pd.read_csv(current, parse_dates=["signup"])
ref = pd.read_csv(reference, parse_dates=["signup"])
snapshot = Report([DataDriftPreset(), DataSummaryPreset()]).run(current_data=cur, reference_data=ref)
snapshot.dict()
print("evidently ok", len(cur))
