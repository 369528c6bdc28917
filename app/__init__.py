"""Marquee composition root and kernel."""
