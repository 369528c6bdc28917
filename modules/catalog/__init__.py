"""The catalog module's public interface."""
