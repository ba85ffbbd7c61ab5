print("bpfan")
