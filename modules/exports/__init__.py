"""The exports module's public interface."""
