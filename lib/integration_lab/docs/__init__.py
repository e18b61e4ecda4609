"""The docs site: the committed executed notebooks in `outputs/` as a static, offline website.

`generate.py` turns `outputs/` into a Sphinx source tree under `build/docs/src` (a landing page with the
scenario matrix, one page per notebook, one adjusted copy of every executed notebook); `docs/conf.py`
renders it with myst-nb, which never executes a notebook. `outputs/` itself is only read.
"""
