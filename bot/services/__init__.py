"""Domain services the engine asks for through ``CallService`` actions."""
