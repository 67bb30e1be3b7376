"""iadsim.report"""
