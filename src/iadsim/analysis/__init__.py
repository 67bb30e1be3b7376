"""iadsim.analysis"""
