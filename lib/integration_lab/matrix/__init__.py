"""The scenario matrix: every notebook x every parameter set, executed by papermill into outputs/."""
