"""The local stack: embedded AWS (moto), an HTTP gateway, a schedule runner and a queue pump,
all driven by ``template.yaml``."""
