"""Analyses over the accepted lines: periods, breakdowns, time series."""
