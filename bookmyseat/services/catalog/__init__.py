"""What is showing: movie listings and filters, a movie's showtimes, cinemas and screens with
their seat layouts, trailers and posters."""
