"""HTTP routes, one Powertools ``Router`` per area. Route functions parse input into a pydantic
model, make one service call and return a model; the functions' handlers include the routers
they serve (see ``template.yaml`` for which function owns which route)."""
