"""The lists module's public interface."""
