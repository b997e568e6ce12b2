"""Growth engine adapters: state codec, rule/team services, MEE6 import, dynamic stages.

The rules are in ``domain.growth``; the use cases in ``handlers/growth*.py``, ``teams.py``
and ``shop.py``. This package wires them to storage (see ``wiring.configure``).
"""
