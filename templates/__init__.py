"""Jinja2 templates of the generator (data only: the text they lay out is computed in ``generator``)."""
