"""Words the synthetic catalog is made of (deterministic choices from these by the seed)."""

from __future__ import annotations

GENRES = (
    "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
    "History", "Horror", "Music", "Musical", "Mystery", "Romance", "Science Fiction", "Sport", "Thriller", "Western",
)  # fmt: skip
# (code, name, share of the movies available there): every country's set differs
COUNTRIES = (
    ("US", "United States", 0.85), ("GB", "United Kingdom", 0.6), ("CA", "Canada", 0.55), ("DE", "Germany", 0.45),
    ("FR", "France", 0.45), ("AU", "Australia", 0.4), ("JP", "Japan", 0.35), ("ES", "Spain", 0.35),
    ("IT", "Italy", 0.3), ("NL", "Netherlands", 0.3), ("BR", "Brazil", 0.25), ("MX", "Mexico", 0.25),
    ("SE", "Sweden", 0.2), ("PL", "Poland", 0.2), ("KR", "South Korea", 0.2), ("IN", "India", 0.2),
    ("UA", "Ukraine", 0.15), ("IE", "Ireland", 0.15), ("NZ", "New Zealand", 0.1), ("AR", "Argentina", 0.1),
)  # fmt: skip
FIRST = (
    "Ada", "Ben", "Clara", "Dmytro", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Maya",
    "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoe",
)  # fmt: skip
LAST = (
    "Abbott", "Berg", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Hayes", "Ito", "Jensen", "Kowalski",
    "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrenko", "Quiroga", "Rossi", "Sato", "Tanaka", "Ueda",
    "Varga", "Weber", "Xu", "Yilmaz", "Zielinski",
)  # fmt: skip
ADJECTIVES = (
    "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Frozen", "Wild", "Distant", "Hollow",
    "Burning", "Lost", "Electric", "Quiet", "Iron", "Velvet", "Shattered", "Endless", "Secret", "Pale", "Bright",
)  # fmt: skip
NOUNS = (
    "River", "Harbor", "Kingdom", "Signal", "Garden", "Empire", "Horizon", "Letter", "Engine", "Orchard", "Tide",
    "Mirror", "Highway", "Lantern", "Forest", "Station", "Circus", "Voyage", "Promise", "Winter", "Machine", "Song",
)  # fmt: skip
PLACES = (
    "the North", "Avalon", "the Sea", "Tomorrow", "the Valley", "Kyiv", "Lisbon", "the Desert", "the Moon",
    "Old Town", "the Island", "Marrakesh", "the Border", "Yesterday", "the Mountains", "Venice", "the Abyss",
)  # fmt: skip
ROLES = ("detective", "teacher", "pilot", "chef", "smuggler", "scientist", "widow", "boxer", "poet", "nurse", "thief")
GOALS = (
    "uncovers a conspiracy", "searches for a missing sister", "plans one last heist", "falls in love",
    "fights to save the family farm", "races against time", "returns home after twenty years",
    "must survive one long night", "chases a forgotten song", "protects a strange child",
)  # fmt: skip
REVIEWS = ("Loved it.", "Not for me.", "A slow burn that pays off.", "Great cast, thin plot.", "Would watch again.")
