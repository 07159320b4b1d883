_instruments = ("aiokafka >= 0.12, < 1.0",)
