_instruments = ("aiokafka >= 0.10, < 1.0",)
