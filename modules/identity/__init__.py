"""The identity module's public interface."""
