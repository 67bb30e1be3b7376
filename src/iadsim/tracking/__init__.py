"""iadsim.tracking"""
