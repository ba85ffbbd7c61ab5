print("bpfrec")
