"""How users call us: the command line, the flake8 plugin, interactive review, `--add-noqa`, `rule` docs
and the README's generated rule section. The top of the layers: nothing below imports it."""
