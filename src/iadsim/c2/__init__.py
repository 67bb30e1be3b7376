"""iadsim.c2"""
