# portui-expect: manual
# A with-block whose body holds a multi-line string: dedenting would change the string.
import torch


def describe(x):
    with torch.no_grad():
        text = """first line
    indented second line"""
        return text, x
