"""Sending a written report: email over SMTP, Slack and Teams incoming webhooks, and a
generic JSON webhook (docs/delivery.md).

:mod:`salescope.deliver.settings` reads salescope.yml's ``deliver:`` key (salescope.config
imports it, so this package itself imports nothing); :mod:`salescope.deliver.send` checks
the settings before a run and sends the written report after it.
"""
