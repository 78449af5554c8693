"""The dashboard on `/`: each role's tiles and charts. Apps add their tiles through registry.py."""
