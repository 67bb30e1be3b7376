"""iadsim.engine"""
