"""protocheck: the command line and the model-suite runner.

This is the one layer that sits on all three others: it resolves bundled model names
(`spec`), runs searches (`checker`) and presents their results (`reports`). Keeping that
orchestration here lets data flow one way — spec -> checker -> result -> reports — so the
engine imports neither the models nor the presentation, and reports only render results
they are given. Spec authors import `checker`; only programs that drive checks import this.
"""

from checker import __version__

__all__ = ["__version__"]
