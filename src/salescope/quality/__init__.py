"""Validation: parse values in the engine, accept or quarantine each row, score quality.

``validate.validate`` is the stage; ``parse`` and ``formats`` are the value parsing the
readers share with it. Nothing is imported here, so a reader that needs ``parse`` does
not load the validator.
"""
