"""The embeddable widget (widget.js, a web component with no build step) and its demo page."""
