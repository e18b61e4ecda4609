# Sphinx configuration of the docs site (`make docs`). The source tree it renders is generated from
# outputs/ and docs/guide/ (the guide, with CONTRIBUTING.md) by integration_lab.docs.generate into
# build/docs/src; this file only says how to render it. Every warning fails the build (`-W`): a link to a
# missing page or anchor included.
# Offline by construction: myst-nb never executes (nb_execution_mode = "off") and loads no widget
# JavaScript; Furo uses the system's fonts; search is Sphinx's own index (searchindex.js).

project = "Integration lab"
author = "the integration lab"
copyright = "the integration lab"  # noqa: A001 (Sphinx's name)

extensions = ["myst_nb"]

# Render the committed outputs as they are; never run a kernel.
nb_execution_mode = "off"
# No require.js / widget manager from a CDN (the Try-it widgets are replaced by a pointer to JupyterLab).
nb_ipywidgets_js = {}
nb_merge_streams = True
# Plots: prefer the PNG a notebook stored; tables: pandas' HTML.
nb_mime_priority_overrides = [("html", "image/png", 5)]

myst_enable_extensions = ["colon_fence"]
smartquotes = False  # 'expectations met', "paid": quotes on this site are code more often than prose
myst_heading_anchors = 3

html_theme = "furo"
html_title = "Integration lab"
html_static_path = ["_static"]
html_css_files = ["lab.css"]
html_favicon = "_static/favicon.svg"  # served locally, so no browser asks for a missing /favicon.ico
html_copy_source = False  # no _sources/ copy of every notebook (they are in outputs/ already)
html_show_sourcelink = False
html_last_updated_fmt = None
html_permalinks_icon = "#"
html_theme_options = {"navigation_with_keys": True}

# Nothing on the site may come from elsewhere: no page has math, so Sphinx adds no MathJax script (the docs
# test fails on any off-site script, should a page ever get some).

# guide/_fragments/: text other guide pages {include}, not pages of their own
exclude_patterns = ["_build", "**.ipynb_checkpoints", "guide/_fragments"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]


def setup(app):
    """```console blocks as the guide writes them: `$ ` starts a command, and a line starting `> ` continues it
    (a quote or a function body left open), as the shell shows it; Pygments' own lexer takes `> ` only after
    a trailing backslash. tests/test_guide_commands.py reads the blocks the same way."""
    from pygments.lexers.shell import BashSessionLexer

    class LabConsoleLexer(BashSessionLexer):
        _bare_continuation = True

    app.add_lexer("console", LabConsoleLexer)
