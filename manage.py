#!/usr/bin/env python
from sanfang.cli import main

if __name__ == "__main__":
    main()
