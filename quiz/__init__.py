"""Mesotherapy training and certification platform.

Layers (one-way): question files -> ``quiz.domain.bank`` models -> ``quiz.adapters`` (database, file formats)
-> ``quiz.services`` (use cases, permission checks) -> ``quiz.ui`` (Streamlit pages, the only layer that
imports streamlit).
"""

import os

__version__ = "0.1.0"

# numpy's BLAS single-threaded (unless set otherwise), for this process and the app processes `serve` starts:
# the statistics work on vectors, where OpenBLAS's threads cost far more than they give (on two busy cores one
# 50,000-element dot product took 4.5 ms with them and 0.02 ms without; item analysis 1.8-3.8 s instead of 0.2 s).
# It must be set before numpy is first imported.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
