"""The ratings module's public interface."""
