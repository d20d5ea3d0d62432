"""The models of the article's two arguments: pure, typed Python, with declared parameters.

- ``timing``: early or late talks, with danger in the middle (¶5, ¶7–¶9).
- ``leverage``: Kursk as leverage only if it can be held through the talks (¶4, ¶6).
"""
