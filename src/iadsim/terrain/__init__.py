"""iadsim.terrain"""
