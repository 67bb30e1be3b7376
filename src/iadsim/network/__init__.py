"""iadsim.network"""
