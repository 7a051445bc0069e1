"""Text from facts: number formatting, sentences and the report templates.

Nothing here touches the engine; it sees a computed ``Report`` only.
"""
