"""iadsim.physics"""
