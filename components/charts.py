"""Altair chart builders, re-exported from observatoire.charts.

The builders are pure (altair + pandas, no Streamlit), so they live in the domain package, where the
command line (`observatoire copil`, installed without the components/ folder) can use them too.
Add new builders to observatoire/output/charts.py; pages and components keep importing from here.
"""

from observatoire.output.charts import *  # noqa: F401,F403
from observatoire.output.charts import (  # noqa: F401  (explicit, for readers and linters)
    BLEU_FRANCE, CATEGORICAL, FRENCH_LOCALE, GREY, ROUGE_MARIANNE, breakdown_chart, coverage_chart, french,
    gap_chart, heatmap_chart, trend_chart, value_format,
)
